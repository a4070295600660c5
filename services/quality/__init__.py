"""质量管理能力自评估 beyond the clause filling of services/assessment (the generic flow): the enterprise
profile (profile), history and report (history, report), the dialogue with assessors (questions, comments),
applications for third-party evaluation and their agencies (applications, agencies), the administrators' list
(admin), tier statistics (stats) and clause examples (examples)."""
