"""The SimPy queue model: one replication of a plan -> journeys."""

from .engine import Model, simulate

__all__ = ["Model", "simulate"]
