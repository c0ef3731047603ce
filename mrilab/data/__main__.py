"""``python -m mrilab.data``: make the dataset (see :func:`mrilab.data.main`)."""

from . import main

raise SystemExit(main())
