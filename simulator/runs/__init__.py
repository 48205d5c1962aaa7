"""Running replications: the executor (this process, a local pool or Dask), the results store
(atomic files, resume), one replication, an experiment of variants, and sweeps."""
