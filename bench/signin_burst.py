"""Sends N failed sign-ins through the login form, C at a time, and prints
the statuses and the wall time. Used by signin-burst.sh."""
import concurrent.futures, http.cookiejar, re, sys, time, urllib.error, urllib.parse, urllib.request

base, total, concurrency = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])

def attempt(i):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/login").read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    form = {"csrf_token": token, "email": f"burst{i}@example.com", "password": "not the password"}
    try:
        return opener.open(base + "/login", urllib.parse.urlencode(form).encode()).status
    except urllib.error.HTTPError as e:
        return e.code

started = time.time()
with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
    statuses = list(pool.map(attempt, range(total)))
elapsed = time.time() - started
print(f"{total} failed sign-ins, {concurrency} at a time: statuses {sorted(set(statuses))}, "
      f"{elapsed:.2f} s, {total / elapsed:.0f} sign-ins/s")
