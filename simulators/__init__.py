"""Faithful in-memory copies of the five job upstreams, for tests, benchmarks and demos.

Its own distribution (``job-gateway-simulators``), never part of the gateway's
wheel or image: ``kit`` is what every simulator shares, each upstream has one
package, ``suite`` serves all five on one app, and ``plugin`` is what
``job-gateway serve --simulate`` loads through the ``job_gateway.simulators``
entry point.
"""
