"""`touchpoint demo`: a scripted conversation with a real Touchpoint, printed as a transcript.

run.py sets the stage (server, database, emulators, cast), stage.py lets scenes act through
the real protocols, scenes/ holds one module per scene, transcript.py prints what people see.
sandbox.py and cast.py are shared with the benchmarks in bench/.
"""
