# The ketenkaart service. Configuration comes from the environment (KETENKAART_*, see the README):
#   docker build -t ketenkaart .
#   docker run -p 8000:8000 -v ketenkaart-data:/data ketenkaart
#   docker run -e KETENKAART_DATABASE_URL=postgresql://user:secret@db:5432/ketenkaart ... ketenkaart
# Management commands run in the same image: docker run --rm -it ... ketenkaart ketenkaart --help
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
COPY pyproject.toml README.md constraints.txt ./
COPY app ./app
COPY graph ./graph
COPY importers ./importers
# The Dutch catalog is compiled here (graph/locale/*/LC_MESSAGES/*.mo, package data), as `make` does.
RUN pip install --constraint constraints.txt babel \
    && pybabel compile --statistics -D ketenkaart -d graph/locale -l nl \
    && pip install --constraint constraints.txt . \
    && rm -rf /src \
    && groupadd --system --gid 10001 ketenkaart \
    && useradd --system --uid 10001 --gid 10001 --home-dir /data --create-home ketenkaart

# The default database is a SQLite file in the data volume; set KETENKAART_DATABASE_URL for
# PostgreSQL (needed for more than one replica). The schema is brought up to date at start.
ENV KETENKAART_DATABASE_URL=sqlite:////data/ketenkaart.db
WORKDIR /data
VOLUME ["/data"]
USER 10001:10001

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"]
CMD ["ketenkaart", "serve", "--host", "0.0.0.0", "--port", "8000"]
