"""The scenario specification: YAML read with the position of every key, the validated schema
(pydantic models with descriptions and ranges), distributions, interventions and the
parameters of the perception and satisfaction models."""
