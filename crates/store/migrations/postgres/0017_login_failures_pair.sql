-- Sign-in throttling counts failures per account *and* address, so that
-- guessing from elsewhere cannot lock an account's owner out; this index
-- serves that count, and forgetting a pair's failures after a sign-in.
-- Nothing looks failures up by account alone any more.
DROP INDEX login_failures_email;
CREATE INDEX login_failures_pair ON login_failures (email, address, at);
