"""`eduwatch demo`: a bundled fixture site, mail and webhook receivers, and the scenario that
crawls, changes the site, crawls again and shows the alerts (monitor.demo.scenario)."""
