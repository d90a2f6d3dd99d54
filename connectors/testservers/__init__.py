"""Local servers that follow the providers' published APIs, for tests and demos (never production).

Each module has ``make_app(...)`` (an aiohttp app holding its data in memory) and can be run
on its own: ``python -m connectors.testservers.brp --port 8101``. ``app["behaviour"]`` lets a
test slow the server down (``delay_s``) to provoke client time-outs.
"""
