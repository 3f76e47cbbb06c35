"""Customer intelligence: value/risk segments, churn risk, targeted offers, outliers, application
associations, and leads and listings with a typed command prompt."""
