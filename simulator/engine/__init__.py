"""The SimPy model (stations, servers, lines, conditions, greeters), arrivals, random streams,
and the recorder that hands blocks of journey records to a sink."""
