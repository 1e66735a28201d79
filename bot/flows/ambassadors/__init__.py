"""Department ambassadors: the monthly summary (`summary`) and the low-score notice
(`low_score`)."""
