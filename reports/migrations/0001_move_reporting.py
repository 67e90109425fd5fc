"""Progress reporting moves into its own app (reports) from plans and indicators.

State only: the tables keep their names (db_table) and their rows. Content types
follow the models, so admin log entries and permissions keep pointing at them.
"""


import django.core.validators
import django.db.models.deletion
import simple_history.models
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models



MOVED = {
    "plans": ("progressreport", "historicalprogressreport", "progressnote", "historicalprogressnote"),
    "indicators": ("resultentry", "historicalresultentry", "publishedindicatoryear"),
}


def move_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for old_app, models_ in MOVED.items():
        for model in models_:
            if not ContentType.objects.filter(app_label="reports", model=model).exists():
                ContentType.objects.filter(app_label=old_app, model=model).update(app_label="reports")


def move_content_types_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for old_app, models_ in MOVED.items():
        ContentType.objects.filter(app_label="reports", model__in=models_).update(app_label=old_app)


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('indicators', '0003_move_reporting'),
        ('plans', '0006_move_reporting'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        # The models move between apps; their tables (and rows) stay where they are.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='HistoricalProgressReport',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('as_of', models.DateField(verbose_name='基準日')),
                        ('due_date', models.DateField(blank=True, help_text='担当課が入力を終えて提出する期限', null=True, verbose_name='提出期限')),
                        ('published_at', models.DateTimeField(blank=True, null=True, verbose_name='公表日時')),
                        ('published_bands', models.JSONField(blank=True, default=list, editable=False, help_text='公表した時点の評価区分（[評価, 下限の達成率]）。後で区分を変えても、この報告の評価は変わりません。', verbose_name='公表時の評価区分')),
                        ('history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.CharField(max_length=100, null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('plan', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='plans.plan', verbose_name='計画')),
                        ('published_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='公表した人')),
                    ],
                    options={
                        'verbose_name': 'historical 進捗状況報告',
                        'verbose_name_plural': 'historical 進捗状況報告',
                        'db_table': 'plans_historicalprogressreport',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name='ProgressNote',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('text', models.TextField(blank=True, help_text='段落は空行で区切ります。', verbose_name='活動経過・今後の予定')),
                        ('status', models.CharField(choices=[('draft', '作成中'), ('submitted', '提出済み'), ('returned', '差戻し'), ('approved', '承認済み')], default='draft', max_length=10, verbose_name='状態')),
                        ('review_comment', models.TextField(blank=True, help_text='差戻しの理由など、経営改革課から担当課へのコメント', verbose_name='審査コメント')),
                        ('submitted_at', models.DateTimeField(blank=True, null=True, verbose_name='提出日時')),
                        ('reviewed_at', models.DateTimeField(blank=True, null=True, verbose_name='審査日時')),
                        ('updated_at', models.DateTimeField(blank=True, null=True, verbose_name='最終更新日時')),
                        ('version', models.PositiveIntegerField(default=1, verbose_name='版')),
                        ('measure', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='progress_notes', to='plans.measure', verbose_name='推進項目')),
                        ('reviewed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='審査した人')),
                        ('submitted_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='提出した人')),
                        ('updated_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='最後に更新した人')),
                    ],
                    options={
                        'verbose_name': '活動経過・今後の予定',
                        'verbose_name_plural': '活動経過・今後の予定',
                        'db_table': 'plans_progressnote',
                        'ordering': ['report', 'measure__number'],
                    },
                ),
                migrations.CreateModel(
                    name='HistoricalResultEntry',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('value', models.DecimalField(blank=True, decimal_places=4, max_digits=15, null=True, validators=[django.core.validators.MinValueValidator(Decimal('0'))], verbose_name='結果')),
                        ('history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.CharField(max_length=100, null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('indicator_year', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='indicators.indicatoryear', verbose_name='指標・年度')),
                        ('stage', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='indicators.milestonestage', verbose_name='到達した段階')),
                        ('progress_note', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='reports.progressnote', verbose_name='活動経過・今後の予定')),
                    ],
                    options={
                        'verbose_name': 'historical 結果の入力',
                        'verbose_name_plural': 'historical 結果の入力',
                        'db_table': 'indicators_historicalresultentry',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name='ProgressReport',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('as_of', models.DateField(verbose_name='基準日')),
                        ('due_date', models.DateField(blank=True, help_text='担当課が入力を終えて提出する期限', null=True, verbose_name='提出期限')),
                        ('published_at', models.DateTimeField(blank=True, null=True, verbose_name='公表日時')),
                        ('published_bands', models.JSONField(blank=True, default=list, editable=False, help_text='公表した時点の評価区分（[評価, 下限の達成率]）。後で区分を変えても、この報告の評価は変わりません。', verbose_name='公表時の評価区分')),
                        ('plan', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='reports', to='plans.plan', verbose_name='計画')),
                        ('published_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='公表した人')),
                    ],
                    options={
                        'verbose_name': '進捗状況報告',
                        'verbose_name_plural': '進捗状況報告',
                        'db_table': 'plans_progressreport',
                        'ordering': ['plan', '-as_of'],
                    },
                ),
                migrations.AddField(
                    model_name='progressnote',
                    name='report',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notes', to='reports.progressreport', verbose_name='進捗状況報告'),
                ),
                migrations.CreateModel(
                    name='HistoricalProgressNote',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('text', models.TextField(blank=True, help_text='段落は空行で区切ります。', verbose_name='活動経過・今後の予定')),
                        ('status', models.CharField(choices=[('draft', '作成中'), ('submitted', '提出済み'), ('returned', '差戻し'), ('approved', '承認済み')], default='draft', max_length=10, verbose_name='状態')),
                        ('review_comment', models.TextField(blank=True, help_text='差戻しの理由など、経営改革課から担当課へのコメント', verbose_name='審査コメント')),
                        ('submitted_at', models.DateTimeField(blank=True, null=True, verbose_name='提出日時')),
                        ('reviewed_at', models.DateTimeField(blank=True, null=True, verbose_name='審査日時')),
                        ('updated_at', models.DateTimeField(blank=True, null=True, verbose_name='最終更新日時')),
                        ('version', models.PositiveIntegerField(default=1, verbose_name='版')),
                        ('history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.CharField(max_length=100, null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('measure', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='plans.measure', verbose_name='推進項目')),
                        ('reviewed_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='審査した人')),
                        ('submitted_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='提出した人')),
                        ('updated_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='最後に更新した人')),
                        ('report', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='reports.progressreport', verbose_name='進捗状況報告')),
                    ],
                    options={
                        'verbose_name': 'historical 活動経過・今後の予定',
                        'verbose_name_plural': 'historical 活動経過・今後の予定',
                        'db_table': 'plans_historicalprogressnote',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name='PublishedIndicatorYear',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('target_status', models.CharField(choices=[('set', '設定あり'), ('not_set', '未設定'), ('not_applicable', '対象外')], default='not_set', max_length=20, verbose_name='目標値の状態')),
                        ('target_value', models.DecimalField(blank=True, decimal_places=4, max_digits=15, null=True, validators=[django.core.validators.MinValueValidator(Decimal('0'))], verbose_name='目標値')),
                        ('result_value', models.DecimalField(blank=True, decimal_places=4, max_digits=15, null=True, validators=[django.core.validators.MinValueValidator(Decimal('0'))], verbose_name='結果')),
                        ('fiscal_year', models.PositiveSmallIntegerField(verbose_name='年度（西暦）')),
                        ('indicator', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='published_years', to='indicators.indicator', verbose_name='指標')),
                        ('report', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='published_years', to='reports.progressreport', verbose_name='進捗状況報告')),
                        ('result_stage', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='indicators.milestonestage', verbose_name='到達した段階')),
                        ('target_stage', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='indicators.milestonestage', verbose_name='目標の段階')),
                    ],
                    options={
                        'verbose_name': '公表済みの目標値・結果',
                        'verbose_name_plural': '公表済みの目標値・結果',
                        'db_table': 'indicators_publishedindicatoryear',
                        'ordering': ['report', 'indicator', 'fiscal_year'],
                    },
                ),
                migrations.CreateModel(
                    name='ResultEntry',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('value', models.DecimalField(blank=True, decimal_places=4, max_digits=15, null=True, validators=[django.core.validators.MinValueValidator(Decimal('0'))], verbose_name='結果')),
                        ('indicator_year', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='result_entries', to='indicators.indicatoryear', verbose_name='指標・年度')),
                        ('progress_note', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='result_entries', to='reports.progressnote', verbose_name='活動経過・今後の予定')),
                        ('stage', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='indicators.milestonestage', verbose_name='到達した段階')),
                    ],
                    options={
                        'verbose_name': '結果の入力',
                        'verbose_name_plural': '結果の入力',
                        'db_table': 'indicators_resultentry',
                        'ordering': ['progress_note', 'indicator_year__indicator__slot', 'indicator_year__fiscal_year'],
                    },
                ),
                migrations.AddConstraint(
                    model_name='progressreport',
                    constraint=models.UniqueConstraint(fields=('plan', 'as_of'), name='report_as_of_unique_in_plan', violation_error_message='この計画には同じ基準日の進捗状況報告がすでにあります。'),
                ),
                migrations.AddConstraint(
                    model_name='progressreport',
                    constraint=models.UniqueConstraint(condition=models.Q(('published_at__isnull', True)), fields=('plan',), name='one_open_report_per_plan', violation_error_message='この計画には公表前の進捗状況報告がすでにあります。先に公表してください。'),
                ),
                migrations.AddConstraint(
                    model_name='progressnote',
                    constraint=models.UniqueConstraint(fields=('report', 'measure'), name='progress_note_unique_per_report', violation_error_message='この推進項目の記述はこの報告にすでにあります。'),
                ),
                migrations.AddConstraint(
                    model_name='progressnote',
                    constraint=models.CheckConstraint(condition=models.Q(('version__gte', 1)), name='progress_note_version_positive', violation_error_message='版は1以上にしてください。'),
                ),
                migrations.AddConstraint(
                    model_name='publishedindicatoryear',
                    constraint=models.UniqueConstraint(fields=('report', 'indicator', 'fiscal_year'), name='published_year_unique', violation_error_message='この報告には同じ指標・年度の値がすでにあります。'),
                ),
                migrations.AddConstraint(
                    model_name='resultentry',
                    constraint=models.UniqueConstraint(fields=('progress_note', 'indicator_year'), name='result_entry_unique_per_note', violation_error_message='この指標・年度の結果はこの記述にすでに入力されています。'),
                ),
                migrations.AddConstraint(
                    model_name='resultentry',
                    constraint=models.CheckConstraint(condition=models.Q(('value__isnull', True), ('value__gte', 0), _connector='OR'), name='result_entry_not_negative', violation_error_message='結果に負の数は使えません。'),
                ),
                migrations.AddConstraint(
                    model_name='resultentry',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('stage__isnull', True), ('value__isnull', False)), models.Q(('stage__isnull', False), ('value__isnull', True)), _connector='OR'), name='result_entry_value_or_stage', violation_error_message='結果は数値か段階のどちらか一方を入れてください。'),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
