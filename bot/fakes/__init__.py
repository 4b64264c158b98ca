"""Stand-ins for Slack, not part of the product's core: the fake Web API (`slack`, strict per Slack's
published specification in `spec`, `strict` and `history`) and the simulator of Slack's signed
requests (`simulator`). The test suite and the browser demo run the real app against them."""
