"""The scale-out engine (Apache Spark): see ``engine.py`` and docs/spark.md."""

from foidesk.engines.spark.engine import SparkEngine

__all__ = ["SparkEngine"]
