"""The enterprise service desk (企业服务 · 接诉即办): requests with deadlines, visits, advisers."""
