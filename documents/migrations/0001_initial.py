# The generated documents' queue, moved from the conventions app with its rows (conventions 0003
# renamed the table; this migration only records the model in this app's state).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("conventions", "0003_move_generated_document"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='GeneratedDocument',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('title', models.CharField(max_length=300, verbose_name='document')),
                        ('filename', models.CharField(max_length=200, verbose_name='nom du fichier')),
                        ('key', models.CharField(db_index=True, max_length=64, verbose_name='empreinte du contenu')),
                        ('status', models.CharField(choices=[('en_attente', 'En attente'), ('en_cours', 'Mise en page en cours'), ('pret', 'Prêt'), ('echec', 'Échec')], default='en_attente', max_length=12, verbose_name='état')),
                        ('html_bytes', models.PositiveIntegerField(default=0, verbose_name='taille du HTML')),
                        ('pages', models.PositiveIntegerField(blank=True, null=True, verbose_name='pages')),
                        ('pages_done', models.PositiveIntegerField(default=0, verbose_name='pages mises en page')),
                        ('error', models.TextField(blank=True, verbose_name='erreur')),
                        ('back_url', models.CharField(blank=True, max_length=500, verbose_name="page d'origine")),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='demandé le')),
                        ('started_at', models.DateTimeField(blank=True, null=True, verbose_name='commencé le')),
                        ('heartbeat_at', models.DateTimeField(blank=True, null=True, verbose_name='dernier signe du processus')),
                        ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='terminé le')),
                        ('convention', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='documents', to='conventions.convention')),
                        ('requested_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='demandé par')),
                    ],
                    options={
                        'verbose_name': 'document généré',
                        'verbose_name_plural': 'documents générés',
                        'ordering': ['-created_at'],
                    },
                ),
            ],
        ),
    ]
