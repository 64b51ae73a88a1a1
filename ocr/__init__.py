"""sohoa OCR: page images, preprocessing, recognition, text layers, field extraction."""
