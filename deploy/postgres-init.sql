-- The catalog lives next to Airflow's metadata, in its own database.
CREATE DATABASE sohoa OWNER airflow;
