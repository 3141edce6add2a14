# The generated documents' queue moves to the documents app with its rows: the table is renamed
# here and the model recreated in the documents app's state only (documents 0001).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("conventions", "0002_generated_document"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AlterModelTable(name="generateddocument", table="documents_generateddocument"),
            ],
            state_operations=[
                migrations.DeleteModel(name="GeneratedDocument"),
            ],
        ),
    ]
