# The real-images suite's application image: Dockerfile.pkgs (PKGS) plus
# nrexec, the entrypoints, configs and test apps. No apt here, so it builds
# in about a second; each scenario's ENTRYPOINT is a small image on top.
ARG PKGS
FROM $PKGS
COPY nrexec /usr/local/bin/nrexec
COPY postgres/docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
COPY nginx/nginx.conf /etc/nginx/e2e.conf
COPY flask/app.py /app/app.py
COPY bin/ /app/bin/
# An application user with a passwd entry (10001) in a second group (2000,
# the shared volume's group in the non-root cases); 10002 has no entry.
RUN groupadd -g 10001 app && groupadd -g 2000 shared \
 && useradd -u 10001 -g 10001 -G shared -d /home/app -m -s /bin/sh app \
 && mkdir -p /var/run/postgresql && chown postgres:postgres /var/run/postgresql \
 && chmod 3777 /var/run/postgresql \
 && chmod 0755 /usr/local/bin/nrexec /usr/local/bin/docker-entrypoint.sh /app/bin/*
