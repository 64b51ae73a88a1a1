"""sohoa quality: expectation suites, reports and the review queue."""
