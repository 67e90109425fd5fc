
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('indicators', '0003_move_reporting'),
        ('plans', '0005_report_published_bands'),
    ]

    operations = [
        # The models move between apps; their tables (and rows) stay where they are.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='historicalprogressreport',
                    name='history_user',
                ),
                migrations.RemoveField(
                    model_name='historicalprogressreport',
                    name='plan',
                ),
                migrations.RemoveField(
                    model_name='historicalprogressreport',
                    name='published_by',
                ),
                migrations.RemoveField(
                    model_name='progressnote',
                    name='measure',
                ),
                migrations.RemoveField(
                    model_name='progressnote',
                    name='report',
                ),
                migrations.RemoveField(
                    model_name='progressnote',
                    name='reviewed_by',
                ),
                migrations.RemoveField(
                    model_name='progressnote',
                    name='submitted_by',
                ),
                migrations.RemoveField(
                    model_name='progressnote',
                    name='updated_by',
                ),
                migrations.RemoveField(
                    model_name='progressreport',
                    name='plan',
                ),
                migrations.RemoveField(
                    model_name='progressreport',
                    name='published_by',
                ),
                migrations.DeleteModel(
                    name='HistoricalProgressNote',
                ),
                migrations.DeleteModel(
                    name='HistoricalProgressReport',
                ),
                migrations.DeleteModel(
                    name='ProgressNote',
                ),
                migrations.DeleteModel(
                    name='ProgressReport',
                ),
            ],
            database_operations=[],
        ),
    ]
