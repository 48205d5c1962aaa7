"""From journey records to numbers: felt waits and scores per customer, the summary of a
replication, statistics across replications, comparison of variants, and costs."""
