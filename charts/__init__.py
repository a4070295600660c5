"""Pure chart builders: plain data in, an ECharts option dict (or plotly Figure) out. No Streamlit, no DB."""
