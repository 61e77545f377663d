"""The command line, the top of the pipeline: ``main(argv) -> int`` parses the arguments, runs
one command (check, baseline, merge, rules, explain, verify, schema, docs, init, config) and
turns every failure into an exit status through one error handler (``status`` holds the codes
and the usage error). Only this layer prints to the terminal or decides how the process exits;
every layer below returns values and raises errors as data."""
