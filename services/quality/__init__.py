"""质量管理能力自评估 beyond the clause filling of services/assessment: the dialogue with assessors
(questions, comments), applications for third-party evaluation, and their agencies."""
