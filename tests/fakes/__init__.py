"""Local fake servers that speak the real wire protocols of cloud key services.

Each fake binds 127.0.0.1 on a free port, keeps its keys in memory and is
started by a pytest fixture; the client libraries reach it through their
ordinary endpoint settings (documented in each module).
"""
