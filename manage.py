"""Command-line entry: python manage.py init-db | prepare | seed-demo | retire-demo | create-admin | migrate |
makemigration | check-specs."""
from __future__ import annotations

import argparse
import getpass
import sys

from config import settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="manage.py", description="惠企平台管理命令")
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("init-db", help="创建/升级数据库结构，载入行政区划、行业分类和角色")
    sub.add_parser("migrate", help="仅执行数据库迁移（alembic upgrade head）")
    sub.add_parser("prepare", help="init-db；若 HUIQI_DEMO_DATA 为真且库中无演示数据，再生成演示数据（启动脚本使用）；"
                                   "生产模式下仍有演示账户使用演示密码时拒绝启动")
    sub.add_parser("retire-demo", help="停用仍使用演示密码的演示账户、吊销其会话并作废其密码（生产环境清理）")
    chk = sub.add_parser("check-specs", help="校验 specs/ 下全部定义（问卷、评估模型、流程、列表），有问题时列出编码并以非零状态退出")
    chk.add_argument("--root", default=None, help="定义目录，默认为项目的 specs/")
    mk = sub.add_parser("makemigration", help="根据模型变化生成迁移脚本")
    mk.add_argument("-m", "--message", required=True)
    seed = sub.add_parser("seed-demo", help="生成演示数据（已有则跳过）")
    seed.add_argument("--enterprises", type=int, default=settings.demo_enterprises, help="企业数量")
    adm = sub.add_parser("create-admin", help="创建管理员账户")
    adm.add_argument("--username", required=True)
    adm.add_argument("--region", default=None, help="辖区行政区划代码；不填为全国（国家级）")
    adm.add_argument("--role", default=None, help="角色代码，默认按辖区级别选择管理员角色；sysadmin 为系统管理员")
    adm.add_argument("--phone", default=None)
    adm.add_argument("--password", default=None, help="不填则交互输入")
    args = parser.parse_args(argv)

    if args.cmd == "check-specs":  # reads files only: no database needed
        from pathlib import Path
        from services.core import spec_check
        return spec_check.main(Path(args.root) if args.root else spec_check.SPECS)
    from services.core import bootstrap
    if args.cmd == "migrate":
        bootstrap.migrate()
    elif args.cmd == "makemigration":
        from alembic import command
        from db.engine import get_engine
        command.revision(bootstrap.alembic_config(get_engine().url.render_as_string(hide_password=False)),
                         message=args.message, autogenerate=True)
    elif args.cmd == "init-db":
        regions, industries = bootstrap.init_db()
        print(f"数据库已就绪：行政区划 {regions} 条，行业分类 {industries} 条。")
    elif args.cmd == "prepare":
        bootstrap.init_db()
        if settings.demo_data:  # production: only when HUIQI_DEMO_DATA=true was set explicitly (config.py)
            from services.cmmm.demo import seed_diagnoses
            from services.core.demo import seed_demo
            counts = seed_demo(settings.demo_enterprises)
            print("演示数据：", "已存在" if counts["accounts"] == 0 else counts)
            made = seed_diagnoses()
            if made:
                print(f"演示自诊断：{made} 份")
            from services.monitor.demo import seed_reports
            reports = seed_reports()
            if reports:
                print(f"演示运行监测月报：{reports} 份")
            from services.market.demo import seed_market
            listed = seed_market()
            if listed:
                print(f"演示服务市场商品：{listed} 个")
            from services.quality.agencies import seed_demo_agency
            if seed_demo_agency():
                print("演示评估机构：示例质量评估机构（评估师 assessor）")
        from services.core.production import UnsafeStart, refuse_unsafe_start
        try:
            refuse_unsafe_start()
        except UnsafeStart as err:
            print(str(err), file=sys.stderr)
            return 2
    elif args.cmd == "retire-demo":
        bootstrap.init_db()
        from services.core.production import retire_demo_accounts
        retired = retire_demo_accounts()
        shown = "、".join(retired[:10]) + ("等" if len(retired) > 10 else "")
        print(f"已停用并作废密码的演示账户：{len(retired)} 个" + (f"（{shown}）" if retired else ""))
    elif args.cmd == "seed-demo":
        if settings.env == "production" and not settings.demo_data:
            print("生产模式下生成演示数据须明确设置 HUIQI_DEMO_DATA=true。", file=sys.stderr)
            return 2
        bootstrap.init_db()
        from services.core.demo import seed_demo

        def bar(frac: float) -> None:
            sys.stdout.write(f"\r生成演示数据 [{'#' * int(frac * 30):<30}] {frac:5.0%}")
            sys.stdout.flush()
        counts = seed_demo(args.enterprises, progress=bar)
        print("\n演示数据：", "已存在，跳过" if counts["accounts"] == 0 else counts)
        from services.cmmm.demo import seed_diagnoses
        made = seed_diagnoses(progress=bar)
        print(f"\n演示自诊断：{made} 份" if made else "")
        from services.monitor.demo import seed_reports
        reports = seed_reports(progress=bar)
        print(f"\n演示运行监测月报：{reports} 份" if reports else "")
        from services.market.demo import seed_market
        listed = seed_market()
        print(f"演示服务市场商品：{listed} 个（含服务券活动）" if listed else "")
        from services.quality.agencies import seed_demo_agency
        if seed_demo_agency():
            print("演示评估机构：示例质量评估机构（评估师 assessor）")
    elif args.cmd == "create-admin":
        from services.identity.accounts import admin_role_for, create_account
        from services.core.errors import ServiceError
        bootstrap.init_db()
        password = args.password or getpass.getpass("密码：")
        try:
            account_id = create_account(args.username, password, [args.role or admin_role_for(args.region)],
                                        region_code=args.region, phone=args.phone)
        except ServiceError as err:
            print(f"创建失败：{err}", file=sys.stderr)
            return 2
        print(f"已创建账户 {args.username}（id={account_id}）。")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
