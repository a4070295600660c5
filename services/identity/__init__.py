"""Who is signing in and who may manage whom: accounts, ranks, sign-in sessions, passwords,
usernames, the client address."""
