"""sohoa OCR: page images, preprocessing, recognition, text layers, field extraction."""

import os

# One thread per tesseract: the page pool already keeps every core busy. OpenMP reads this once,
# when libtesseract is loaded (the first `import tesserocr`, wherever it happens): set here, before
# any of ours can load it. Left unset, each recognition ran OpenMP threads that spun against each
# other and the other workers: 2.4x the CPU and 2.7x the wall time on real pages with 2 workers.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")
# OpenCV's own thread pool, likewise read once, when cv2 loads: its parallel loops (resize, blur,
# threshold) spent 3.5 % more CPU on real pages than one thread did, for the same texts.
os.environ.setdefault("OPENCV_FOR_THREADS_NUM", "1")
