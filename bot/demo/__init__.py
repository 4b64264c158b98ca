"""`deskbot demo`: Deskbot on its embedded defaults with a Slack workspace simulator in the browser."""
