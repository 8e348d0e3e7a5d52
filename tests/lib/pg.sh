# A throwaway PostgreSQL cluster: initdb + pg_ctl, Unix socket in a
# private folder, no TCP. PostgreSQL refuses to run as root, so as root
# the server runs as the `postgres` system user.
# Usage: . tests/lib/pg.sh; pg_start DIR; ...; pg_stop

pg_bindir() {
	local d
	d=$(pg_config --bindir 2>/dev/null)
	[ -x "$d/initdb" ] || d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
	echo "$d"
}

as_pg() {
	if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_start() {
	PG_DIR=$1
	PGBIN=$(pg_bindir)
	if [ ! -x "$PGBIN/initdb" ]; then
		echo "initdb introuvable : installez postgresql (make deps)" >&2
		return 1
	fi
	mkdir -p "$PG_DIR"
	chmod 755 "$PG_DIR"
	[ "$(id -u)" = 0 ] && chown postgres: "$PG_DIR"
	as_pg "$PGBIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 \
		--locale=C.UTF-8 >"$PG_DIR/initdb.log" 2>&1 || { cat "$PG_DIR/initdb.log" >&2; return 1; }
	pg_server start >/dev/null || { cat "$PG_DIR/server.log" >&2; return 1; }
	export PGHOST=$PG_DIR PGPORT=5432 PGUSER=postgres PGDATABASE=postgres
	export PG_DIR PGBIN
}

# pg_server start|stop|restart [PG_CTL OPTIONS]: pg_ctl on the cluster of
# pg_start, always with its socket and options (tests of a lost server).
pg_server() {
	local action=$1; shift
	as_pg "$PGBIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
		-o "-c listen_addresses='' -c unix_socket_directories='$PG_DIR' -c fsync=off \
		    -c full_page_writes=off -c synchronous_commit=off -c max_connections=200" \
		"$@" "$action"
}

pg_stop() {
	[ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR/data" ] || return 0
	as_pg "$PGBIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1
}
