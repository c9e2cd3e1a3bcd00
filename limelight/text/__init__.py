"""Text datasets: offline tokenisation, TF-IDF pipelines and a generated demo (no Django)."""
