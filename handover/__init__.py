"""The agent desk: queue and routing, warm handover, the agent console and Slack as a desk."""
