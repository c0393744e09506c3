"""Documentation of abuses: events, acts, persons, testimonies with consent, referrals."""
