#include "journal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "cleanup.h"
#include "fsutil.h"

/* Statements are prepared once and kept: parsing SQL was a tenth of an
 * experiment's whole cost in the daemon. */
enum {
        ST_PUT_EXPERIMENT,
        ST_SET_STATE,
        ST_SET_DEADLINE,
        ST_PUT_FAULT,
        ST_MAX,
};

struct journal {
        sqlite3 *db;
        sqlite3_stmt *st[ST_MAX];
        /* A write transaction is open: writes are grouped until
         * journal_flush (see journal.h for when that must happen). */
        int in_tx;
};

static const char schema[] =
        "PRAGMA journal_mode=WAL;"
        "PRAGMA synchronous=NORMAL;"
        "CREATE TABLE IF NOT EXISTS experiments("
        " id TEXT PRIMARY KEY, name TEXT NOT NULL, spec TEXT NOT NULL, state TEXT NOT NULL,"
        " reason TEXT, boot_id TEXT NOT NULL, targets TEXT,"
        " created_ms INTEGER NOT NULL, deadline_ms INTEGER NOT NULL, ended_ms INTEGER);"
        "CREATE TABLE IF NOT EXISTS faults("
        " exp_id TEXT NOT NULL, idx INTEGER NOT NULL, target_idx INTEGER NOT NULL, type TEXT NOT NULL,"
        " state TEXT NOT NULL, saved TEXT, readback TEXT, error TEXT,"
        " PRIMARY KEY(exp_id, idx));"
        "CREATE INDEX IF NOT EXISTS experiments_state ON experiments(state);";

static int db_error(struct journal *j, struct error *e, const char *what)
{
        return error_set(e, EIO, "journal: %s: %s", what, sqlite3_errmsg(j->db));
}

/* The journal holds targets, saved kernel state and the specs: root's
 * only, whatever the files' modes were before (an operator's cp, an older
 * chaosd, a umask of 022). SQLite gives -wal and -shm the mode of the
 * database file, so journal.db is made 0600 before SQLite opens it. */
/* Open PATH with FLAGS (O_NOFOLLOW: a symlink planted in the state dir is
 * never followed) and set MODE. A missing file is fine without O_CREAT. */
static int own(const char *path, int flags, mode_t mode, struct error *e)
{
        _cleanup_close_ int fd = open(path, flags | O_NOFOLLOW | O_CLOEXEC, mode);

        if (fd < 0)
                return errno == ENOENT && !(flags & O_CREAT) ? 0 : error_sys(e, errno, "open %s", path);
        if (fchmod(fd, mode) < 0)
                return error_sys(e, errno, "chmod %o %s", (unsigned)mode, path);
        return 0;
}

int journal_own_dir(const char *state_dir, struct error *e)
{
        return own(state_dir, O_RDONLY | O_DIRECTORY, 0700, e);
}

static int own_files(const char *state_dir, struct error *e)
{
        static const char *const names[] = { "journal.db", "journal.db-wal", "journal.db-shm" };
        char path[4096];

        for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
                int r;

                snprintf(path, sizeof(path), "%s/%s", state_dir, names[i]);
                r = own(path, O_RDWR | (i == 0 ? O_CREAT : 0), 0600, e);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int open_db(const char *path, struct journal **ret, struct error *e)
{
        struct journal *j;
        char *msg = NULL;
        int r;

        j = calloc(1, sizeof(*j));
        if (!j)
                return error_set(e, ENOMEM, "out of memory");
        if (sqlite3_open_v2(path, &j->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) !=
            SQLITE_OK) {
                r = error_set(e, EIO, "journal: open %s: %s", path, j->db ? sqlite3_errmsg(j->db) : "?");
                journal_close(j);
                return r;
        }
        sqlite3_busy_timeout(j->db, 2000);
        if (sqlite3_exec(j->db, schema, NULL, NULL, &msg) != SQLITE_OK) {
                r = error_set(e, EIO, "journal: %s: %s", path, msg ? msg : "?");
                sqlite3_free(msg);
                journal_close(j);
                return r;
        }
        *ret = j;
        return 0;
}

int journal_open(const char *state_dir, struct journal **ret, struct error *e)
{
        char path[4096];
        int r;

        r = fs_mkdir_p(state_dir, 0700, e);
        if (r < 0)
                return error_wrap(e, "state dir");
        r = journal_own_dir(state_dir, e);
        if (r < 0)
                return r;
        r = own_files(state_dir, e);
        if (r < 0)
                return r;
        snprintf(path, sizeof(path), "%s/journal.db", state_dir);
        r = open_db(path, ret, e);
        if (r < 0)
                return r;
        /* Again: files SQLite made meanwhile. */
        r = own_files(state_dir, e);
        if (r < 0) {
                journal_close(*ret);
                *ret = NULL;
        }
        return r;
}

int journal_open_memory(struct journal **ret, struct error *e)
{
        return open_db(":memory:", ret, e);
}

/* Copy TABLE's rows from the attached "old" database row by row (a full
 * scan, no index: a damaged index does not hide the rows), stopping at the
 * first row the file cannot give; what was lost is appended to LOST. */
static void salvage_table(struct journal *j, const char *table, char *lost, size_t lost_len)
{
        char sql[256];
        sqlite3_stmt *rd = NULL, *wr = NULL;
        int rc, cols, n = 0;
        size_t l = strlen(lost);

        snprintf(sql, sizeof(sql), "SELECT * FROM old.%s", table);
        if (sqlite3_prepare_v2(j->db, sql, -1, &rd, NULL) != SQLITE_OK) {
                snprintf(lost + l, lost_len - l, "%s%s: %s", l ? "; " : "", table, sqlite3_errmsg(j->db));
                return;
        }
        cols = sqlite3_column_count(rd);
        snprintf(sql, sizeof(sql), "INSERT OR REPLACE INTO main.%s VALUES(?%s)", table,
                 cols >= 10 ? ",?,?,?,?,?,?,?,?,?" : ",?,?,?,?,?,?,?");
        if (sqlite3_prepare_v2(j->db, sql, -1, &wr, NULL) != SQLITE_OK) {
                snprintf(lost + l, lost_len - l, "%s%s: %s", l ? "; " : "", table, sqlite3_errmsg(j->db));
                sqlite3_finalize(rd);
                return;
        }
        while ((rc = sqlite3_step(rd)) == SQLITE_ROW) {
                for (int i = 0; i < cols; i++)
                        sqlite3_bind_value(wr, i + 1, sqlite3_column_value(rd, i));
                (void)sqlite3_step(wr);
                sqlite3_reset(wr);
                n++;
        }
        if (rc != SQLITE_DONE)
                snprintf(lost + l, lost_len - l, "%s%s after %d readable row%s: %s", l ? "; " : "", table, n,
                         n == 1 ? "" : "s", sqlite3_errmsg(j->db));
        sqlite3_finalize(rd);
        sqlite3_finalize(wr);
}

int journal_salvage(const char *state_dir, struct journal **ret, char *lost, size_t lost_len, struct error *e)
{
        char path[4096], sql[4200];
        struct journal *j = NULL;
        int r;

        lost[0] = '\0';
        r = open_db(":memory:", &j, e);
        if (r < 0)
                return r;
        snprintf(path, sizeof(path), "%s/journal.db", state_dir);
        /* Quoted for SQL: a state dir with a quote in its name stays a name. */
        {
                char *q = sqlite3_mprintf("ATTACH DATABASE %Q AS old", path);

                snprintf(sql, sizeof(sql), "%s", q ? q : "");
                sqlite3_free(q);
        }
        if (sqlite3_exec(j->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
                snprintf(lost, lost_len, "%s: %s", path, sqlite3_errmsg(j->db));
        } else {
                salvage_table(j, "experiments", lost, lost_len);
                salvage_table(j, "faults", lost, lost_len);
                (void)sqlite3_exec(j->db, "DETACH DATABASE old", NULL, NULL, NULL);
        }
        *ret = j;
        return 0;
}

struct sqlite3 *journal_db(struct journal *j)
{
        return j ? j->db : NULL;
}

int journal_flush(struct journal *j, struct error *e)
{
        if (!j || !j->in_tx)
                return 0;
        j->in_tx = 0;
        if (sqlite3_exec(j->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
                int r = db_error(j, e, "commit");

                (void)sqlite3_exec(j->db, "ROLLBACK", NULL, NULL, NULL);
                return r;
        }
        return 0;
}

void journal_close(struct journal *j)
{
        struct error e;

        if (!j)
                return;
        (void)journal_flush(j, &e);
        for (int i = 0; i < ST_MAX; i++)
                sqlite3_finalize(j->st[i]);
        sqlite3_close(j->db);
        free(j);
}

/* The cached statement I, ready for binding, inside the open write
 * transaction. */
static sqlite3_stmt *writer(struct journal *j, int i, const char *sql, struct error *e)
{
        if (!j->in_tx) {
                if (sqlite3_exec(j->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
                        db_error(j, e, "begin");
                        return NULL;
                }
                j->in_tx = 1;
        }
        if (!j->st[i] &&
            sqlite3_prepare_v3(j->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &j->st[i], NULL) != SQLITE_OK) {
                db_error(j, e, "prepare");
                return NULL;
        }
        return j->st[i];
}

static void bind_text(sqlite3_stmt *s, int i, const char *v)
{
        if (v)
                sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
        else
                sqlite3_bind_null(s, i);
}

static int step_done(struct journal *j, sqlite3_stmt *s, struct error *e, const char *what)
{
        int rc = sqlite3_step(s), r = 0;

        if (rc != SQLITE_DONE)
                r = db_error(j, e, what);
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
        return r;
}

int journal_put_experiment(struct journal *j, const struct journal_experiment *x, struct error *e)
{
        sqlite3_stmt *s;

        s = writer(j, ST_PUT_EXPERIMENT,
                   "INSERT OR REPLACE INTO experiments(id,name,spec,state,reason,boot_id,targets,"
                   "created_ms,deadline_ms,ended_ms) VALUES(?,?,?,?,?,?,?,?,?,?)",
                   e);
        if (!s)
                return -EIO;
        bind_text(s, 1, x->id);
        bind_text(s, 2, x->name);
        bind_text(s, 3, x->spec);
        bind_text(s, 4, x->state);
        bind_text(s, 5, x->reason);
        bind_text(s, 6, x->boot_id);
        bind_text(s, 7, x->targets);
        sqlite3_bind_int64(s, 8, x->created_ms);
        sqlite3_bind_int64(s, 9, x->deadline_ms);
        if (x->ended_ms)
                sqlite3_bind_int64(s, 10, x->ended_ms);
        else
                sqlite3_bind_null(s, 10);
        return step_done(j, s, e, "insert experiment");
}

int journal_set_state(struct journal *j, const char *id, const char *state, const char *reason, int64_t ended_ms,
                      struct error *e)
{
        sqlite3_stmt *s;

        s = writer(j, ST_SET_STATE,
                   "UPDATE experiments SET state=?, reason=COALESCE(?,reason),"
                   " ended_ms=COALESCE(?,ended_ms) WHERE id=?",
                   e);
        if (!s)
                return -EIO;
        bind_text(s, 1, state);
        bind_text(s, 2, reason);
        if (ended_ms)
                sqlite3_bind_int64(s, 3, ended_ms);
        else
                sqlite3_bind_null(s, 3);
        bind_text(s, 4, id);
        return step_done(j, s, e, "update state");
}

int journal_set_deadline(struct journal *j, const char *id, int64_t deadline_ms, struct error *e)
{
        sqlite3_stmt *s;

        s = writer(j, ST_SET_DEADLINE, "UPDATE experiments SET deadline_ms=? WHERE id=?", e);
        if (!s)
                return -EIO;
        sqlite3_bind_int64(s, 1, deadline_ms);
        bind_text(s, 2, id);
        return step_done(j, s, e, "update deadline");
}

int journal_put_fault(struct journal *j, const char *exp_id, int idx, int target_idx, const char *type,
                      const char *state, const char *saved, const char *readback, const char *error, struct error *e)
{
        sqlite3_stmt *s;

        s = writer(j, ST_PUT_FAULT,
                   "INSERT INTO faults(exp_id,idx,target_idx,type,state,saved,readback,error)"
                   " VALUES(?,?,?,?,?,?,?,?) ON CONFLICT(exp_id,idx) DO UPDATE SET"
                   " state=excluded.state, saved=COALESCE(excluded.saved,saved),"
                   " readback=COALESCE(excluded.readback,readback),"
                   " error=COALESCE(excluded.error,error)",
                   e);
        if (!s)
                return -EIO;
        bind_text(s, 1, exp_id);
        sqlite3_bind_int(s, 2, idx);
        sqlite3_bind_int(s, 3, target_idx);
        bind_text(s, 4, type);
        bind_text(s, 5, state);
        bind_text(s, 6, saved);
        bind_text(s, 7, readback);
        bind_text(s, 8, error);
        return step_done(j, s, e, "put fault");
}

static char *col_dup(sqlite3_stmt *s, int i)
{
        const unsigned char *t = sqlite3_column_text(s, i);

        return t ? strdup((const char *)t) : NULL;
}

static int list_experiments(struct journal *j, const char *sql, int limit, struct journal_experiment **ret,
                            int *ret_n, struct error *e)
{
        struct journal_experiment *v = NULL;
        sqlite3_stmt *s;
        int n = 0, cap = 0, rc;

        if (sqlite3_prepare_v2(j->db, sql, -1, &s, NULL) != SQLITE_OK)
                return db_error(j, e, "prepare");
        if (limit > 0)
                sqlite3_bind_int(s, 1, limit);
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
                struct journal_experiment *x;

                if (n == cap) {
                        struct journal_experiment *nv = realloc(v, (size_t)(cap = cap ? cap * 2 : 8) * sizeof(*v));

                        if (!nv) {
                                sqlite3_finalize(s);
                                journal_experiments_free(v, n);
                                return error_set(e, ENOMEM, "out of memory");
                        }
                        v = nv;
                }
                x = &v[n++];
                memset(x, 0, sizeof(*x));
                snprintf(x->id, sizeof(x->id), "%s", (const char *)sqlite3_column_text(s, 0));
                x->name = col_dup(s, 1);
                x->spec = col_dup(s, 2);
                x->state = col_dup(s, 3);
                x->reason = col_dup(s, 4);
                x->boot_id = col_dup(s, 5);
                x->targets = col_dup(s, 6);
                x->created_ms = sqlite3_column_int64(s, 7);
                x->deadline_ms = sqlite3_column_int64(s, 8);
                x->ended_ms = sqlite3_column_int64(s, 9);
        }
        sqlite3_finalize(s);
        if (rc != SQLITE_DONE) {
                journal_experiments_free(v, n);
                return db_error(j, e, "list experiments");
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

#define EXP_COLS "id,name,spec,state,reason,boot_id,targets,created_ms,deadline_ms,ended_ms"

int journal_list_active(struct journal *j, struct journal_experiment **ret, int *ret_n, struct error *e)
{
        return list_experiments(j,
                                "SELECT " EXP_COLS " FROM experiments WHERE state IN"
                                " ('injecting','running','reverting') ORDER BY created_ms",
                                0, ret, ret_n, e);
}

int journal_list_recent(struct journal *j, int limit, struct journal_experiment **ret, int *ret_n, struct error *e)
{
        return list_experiments(j,
                                "SELECT " EXP_COLS " FROM experiments WHERE state NOT IN"
                                " ('injecting','running','reverting') ORDER BY created_ms DESC LIMIT ?",
                                limit, ret, ret_n, e);
}

int journal_list_faults(struct journal *j, const char *exp_id, struct journal_fault **ret, int *ret_n,
                        struct error *e)
{
        struct journal_fault *v = NULL;
        sqlite3_stmt *s;
        int n = 0, cap = 0, rc;

        if (sqlite3_prepare_v2(j->db,
                               "SELECT idx,target_idx,type,state,saved,readback,error FROM faults"
                               " WHERE exp_id=? ORDER BY idx",
                               -1, &s, NULL) != SQLITE_OK)
                return db_error(j, e, "prepare");
        bind_text(s, 1, exp_id);
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
                struct journal_fault *f;

                if (n == cap) {
                        struct journal_fault *nv = realloc(v, (size_t)(cap = cap ? cap * 2 : 8) * sizeof(*v));

                        if (!nv) {
                                sqlite3_finalize(s);
                                journal_faults_free(v, n);
                                return error_set(e, ENOMEM, "out of memory");
                        }
                        v = nv;
                }
                f = &v[n++];
                f->idx = sqlite3_column_int(s, 0);
                f->target_idx = sqlite3_column_int(s, 1);
                f->type = col_dup(s, 2);
                f->state = col_dup(s, 3);
                f->saved = col_dup(s, 4);
                f->readback = col_dup(s, 5);
                f->error = col_dup(s, 6);
        }
        sqlite3_finalize(s);
        if (rc != SQLITE_DONE) {
                journal_faults_free(v, n);
                return db_error(j, e, "list faults");
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

void journal_experiments_free(struct journal_experiment *x, int n)
{
        for (int i = 0; i < n; i++) {
                free(x[i].name);
                free(x[i].spec);
                free(x[i].state);
                free(x[i].reason);
                free(x[i].boot_id);
                free(x[i].targets);
        }
        free(x);
}

void journal_faults_free(struct journal_fault *f, int n)
{
        for (int i = 0; i < n; i++) {
                free(f[i].type);
                free(f[i].state);
                free(f[i].saved);
                free(f[i].readback);
                free(f[i].error);
        }
        free(f);
}
