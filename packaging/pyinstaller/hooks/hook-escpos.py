"""python-escpos: ship its printer capabilities file (the runtime hook points escpos at it)."""

from PyInstaller.utils.hooks import collect_data_files

datas = collect_data_files("escpos", includes=["capabilities.json"])
