"""The compiled, frozen plan the engine runs (times in run minutes, indices, compiled levers),
its compiler, and the loader that turns a scenario file into plans."""
