# Production image: Airflow 3.3 + Debian's tesseract (Vietnamese) + sohoa. Used by docker-compose.yml.
ARG AIRFLOW_VERSION=3.3.2
FROM apache/airflow:${AIRFLOW_VERSION}-python3.11
ARG AIRFLOW_VERSION
USER root
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      tesseract-ocr tesseract-ocr-vie fonts-liberation2 qpdf \
      libtesseract-dev libleptonica-dev pkg-config g++ \
 && rm -rf /var/lib/apt/lists/*
USER airflow
COPY --chown=airflow:0 pyproject.toml README.md /opt/sohoa/
COPY --chown=airflow:0 repository /opt/sohoa/repository
COPY --chown=airflow:0 ocr /opt/sohoa/ocr
COPY --chown=airflow:0 quality /opt/sohoa/quality
COPY --chown=airflow:0 dags /opt/airflow/dags
# Pin Airflow to the image's own release so pip never swaps it out.
# tesserocr from source, against Debian's libtesseract: the same engine as the `tesseract` command.
RUN pip install --no-cache-dir --no-binary tesserocr "apache-airflow==${AIRFLOW_VERSION}" /opt/sohoa
ENV SOHOA_DAGS_FOLDER=/opt/airflow/dags
