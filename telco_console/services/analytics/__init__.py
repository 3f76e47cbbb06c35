"""Customer analytics on the xDR data: engagement, experience and satisfaction, with model tracking.
Aggregations run in SQL (repositories.analytics); modelling in numpy and scikit-learn, imported lazily."""
