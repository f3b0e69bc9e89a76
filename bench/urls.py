from django.urls import path

from bench import views
from callcentre import urls as project_urls

urlpatterns = [
    path("bench/ncco", views.constant_ncco, name="bench-ncco"),
    path("bench/answer", views.select_and_insert, name="bench-answer"),
    *project_urls.urlpatterns,
]
