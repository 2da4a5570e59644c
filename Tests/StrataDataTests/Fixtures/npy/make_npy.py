"""Writes the .npy fixtures MatrixFileTests reads, with numpy's own writer (run: python3 make_npy.py)."""
from pathlib import Path
import numpy as np

here = Path(__file__).resolve().parent
values = np.array([[1.5, -2.0, 3.25], [4.0, 5.5, -6.125]])
np.save(here / "f4_2x3.npy", values.astype("<f4"))
np.save(here / "f8_2x3.npy", values.astype("<f8"))
np.save(here / "f8_2x3_fortran.npy", np.asfortranarray(values))
np.save(here / "f8_2x3_bigendian.npy", values.astype(">f8"))
np.save(here / "i8_vector.npy", np.array([3, 0, -7, 12], dtype="<i8"))
np.save(here / "bool_vector.npy", np.array([True, False, True]))
np.save(here / "f8_3d.npy", np.zeros((2, 2, 2)))
np.save(here / "f8_nan.npy", np.array([[1.0, np.nan]]))
