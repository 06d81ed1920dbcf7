"""Holds the locustfile ``run_load`` passes to ``locust -f`` (a package so it ships in wheels)."""
