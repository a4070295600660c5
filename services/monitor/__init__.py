"""SME operation monitoring: monthly reports (enterprise side), the county → city → province →
national review chain, reviewers and their grants. The report form itself is a definition:
``specs/monitor/monthly_report.yaml``."""
