"""Streamlit dashboard over the published marts (run `streamlit run dashboard/app.py`)."""
