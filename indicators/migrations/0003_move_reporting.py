
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('indicators', '0002_result_entries'),
    ]

    operations = [
        # The models move between apps; their tables (and rows) stay where they are.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='publishedindicatoryear',
                    name='indicator',
                ),
                migrations.RemoveField(
                    model_name='publishedindicatoryear',
                    name='report',
                ),
                migrations.RemoveField(
                    model_name='publishedindicatoryear',
                    name='result_stage',
                ),
                migrations.RemoveField(
                    model_name='publishedindicatoryear',
                    name='target_stage',
                ),
                migrations.RemoveField(
                    model_name='resultentry',
                    name='indicator_year',
                ),
                migrations.RemoveField(
                    model_name='resultentry',
                    name='progress_note',
                ),
                migrations.RemoveField(
                    model_name='resultentry',
                    name='stage',
                ),
                migrations.DeleteModel(
                    name='HistoricalResultEntry',
                ),
                migrations.DeleteModel(
                    name='PublishedIndicatorYear',
                ),
                migrations.DeleteModel(
                    name='ResultEntry',
                ),
            ],
            database_operations=[],
        ),
    ]
