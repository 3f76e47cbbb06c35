"""Billing: rating, bill runs, bills, payments, reminders, enquiries and delivery."""
