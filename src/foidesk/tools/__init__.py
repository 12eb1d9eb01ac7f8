"""Tools for developers: the synthetic two-system data set (``synth``, its catalogue in
``synth_data/`` read by ``synth_catalogue``) and the benchmark (``bench``). They use the
Python API like any script; nothing in the library imports them.
"""
