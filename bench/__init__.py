"""Benchmarks of newsarchive against what its users would otherwise build.

`corpus` makes a synthetic bilingual archive, `queries` holds the queries
every system answers, `systems` wraps the three systems behind one
interface, `measure` runs each phase in its own child process (so peak
memory is per system), `run` ties them together, `http` load-tests the
service and `report` renders the tables of README's Benchmarks section. Run
`python -m bench --help`.
"""
