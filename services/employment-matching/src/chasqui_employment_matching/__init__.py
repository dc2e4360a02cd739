"""Chasqui employment matching: job seekers, vacancies, job fairs and explainable matches."""
