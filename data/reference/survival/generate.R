# Reference numbers for kiort's survival statistics, from R's survival package.
# Run from this folder:  Rscript generate.R
# Writes lung.csv, aml.csv, veteran.csv (the data sets shipped with survival) and
# km.json (survfit), logrank.json (survdiff), cox.json (coxph, Efron ties), rmean.json
# (restricted mean survival, print(survfit, rmean = "common")), cox_strata.json (Breslow ties,
# strata, factors), logrank_strata.json (stratified survdiff), meta.json.
suppressPackageStartupMessages(library(survival))

# --- JSON helpers: numbers with 17 significant digits; NA/NaN -> null; +Inf -> "Inf" ----------
num <- function(v) {
  out <- sprintf("%.17g", v)
  out[is.na(v)] <- "null"
  out[!is.na(v) & is.infinite(v)] <- "\"Inf\""
  out
}
arr <- function(v) paste0("[", paste(num(v), collapse = ", "), "]")
str <- function(s) paste0("\"", gsub("\"", "\\\\\"", s), "\"")
obj <- function(...) {
  x <- list(...)
  paste0("{", paste(paste0(str(names(x)), ": ", unlist(x)), collapse = ", "), "}")
}
jlist <- function(items) paste0("[\n  ", paste(items, collapse = ",\n  "), "\n]")

# --- data: the data sets as shipped, plus a 0/1 column for aml's factor x ---------------------
data(cancer, package = "survival")   # lung, aml, veteran live here
aml_df <- as.data.frame(aml)
aml_df$x <- as.character(aml_df$x)
aml_df$nonmaintained <- as.numeric(aml_df$x == "Nonmaintained")
vet_df <- as.data.frame(veteran)
vet_df$celltype <- as.character(vet_df$celltype)
write.csv(lung, "lung.csv", row.names = FALSE)          # NA written as NA
write.csv(aml_df, "aml.csv", row.names = FALSE)
write.csv(vet_df, "veteran.csv", row.names = FALSE)
# A small constructed data set (not shipped with R) whose curves sit exactly at 0.5 over an
# interval, to check print.survfit's midpoint rule: arm a (1, 2, 3, 4, all events) has median
# (2 + 3) / 2; arm b is flat at 0.5 from 6 to 10 with a censoring at 8 in between.
flat_df <- data.frame(time = c(1, 2, 3, 4, 2, 4, 6, 8, 10, 12),
                      status = c(1, 1, 1, 1, 1, 1, 1, 0, 1, 1),
                      arm = c("a", "a", "a", "a", "b", "b", "b", "b", "b", "b"))
write.csv(flat_df, "flat.csv", row.names = FALSE)
lung_df <- read.csv("lung.csv")                          # fit on exactly what the CSV holds
aml_df <- read.csv("aml.csv")
vet_df <- read.csv("veteran.csv")
flat_df <- read.csv("flat.csv")
sets <- list(lung = lung_df, aml = aml_df, veteran = vet_df, flat = flat_df)

# --- Kaplan-Meier: survfit table (std.err on the cumulative-hazard scale, as survfit stores it),
# --- medians and limits as print.survfit reports them (summary(fit)$table), survival at times --
km_case <- function(set, time, event, group, conf, times, level = 0.95) {
  d <- sets[[set]]
  f <- if (is.null(group)) as.formula(sprintf("Surv(%s, %s) ~ 1", time, event))
       else as.formula(sprintf("Surv(%s, %s) ~ %s", time, event, group))
  fit <- survfit(f, data = d, conf.type = conf, conf.int = level)
  call <- sprintf("survfit(%s, data = %s, conf.type = \"%s\", conf.int = %s)", deparse(f), set,
                  conf, format(level))
  tab <- summary(fit)$table
  if (is.null(dim(tab))) tab <- matrix(tab, nrow = 1, dimnames = list(NULL, names(tab)))
  strata <- if (is.null(fit$strata)) rep(1, length(fit$time)) else rep(seq_along(fit$strata), fit$strata)
  gnames <- if (is.null(fit$strata)) "all" else sub("^[^=]*=", "", names(fit$strata))
  groups <- character(0)
  for (k in seq_along(gnames)) {
    w <- strata == k
    at <- ""
    if (!is.null(times)) {
      s <- summary(fit[k], times = times)
      at <- paste0(", \"at\": ", obj(time = arr(s$time), n_risk = arr(s$n.risk), surv = arr(s$surv),
                                    std_err = arr(s$std.err / s$surv), lower = arr(s$lower),
                                    upper = arr(s$upper)))
    }
    groups <- c(groups, paste0(
      "{\"name\": ", str(gnames[k]), ", \"n\": ", num(tab[k, "records"]),
      ", \"events\": ", num(tab[k, "events"]), ", \"median\": ", num(tab[k, "median"]),
      ", \"median_lcl\": ", num(tab[k, paste0(level, "LCL")]),
      ", \"median_ucl\": ", num(tab[k, paste0(level, "UCL")]),
      ", \"table\": ", obj(time = arr(fit$time[w]), n_risk = arr(fit$n.risk[w]),
                          n_event = arr(fit$n.event[w]), n_censor = arr(fit$n.censor[w]),
                          surv = arr(fit$surv[w]), std_err = arr(fit$std.err[w]),
                          lower = arr(fit$lower[w]), upper = arr(fit$upper[w])), at, "}"))
  }
  paste0("{\"id\": ", str(sprintf("%s_%s_%s_%s", set, if (is.null(group)) "all" else group, conf,
                                   format(level))),
         ", \"r_call\": ", str(call), ", \"data\": ", str(paste0(set, ".csv")),
         ", \"time\": ", str(time), ", \"event\": ", str(event),
         ", \"group\": ", if (is.null(group)) "null" else str(group),
         ", \"conf_type\": ", str(conf), ", \"conf_level\": ", num(level),
         ", \"groups\": [", paste(groups, collapse = ", "), "]}")
}
km <- character(0)
for (conf in c("log", "log-log", "plain")) {
  km <- c(km, km_case("lung", "time", "status", NULL, conf, c(180, 365, 730)),
          km_case("lung", "time", "status", "sex", conf, NULL),
          km_case("aml", "time", "status", "x", conf, c(12, 24, 48)),
          km_case("veteran", "time", "status", "trt", conf, NULL),
          km_case("veteran", "time", "status", "celltype", conf, NULL),
          km_case("flat", "time", "status", "arm", conf, c(2.5, 9)))
}
km <- c(km, km_case("lung", "time", "status", "sex", "log-log", NULL, level = 0.9))
writeLines(jlist(km), "km.json")

# --- log-rank: survdiff chisq, df (groups with expected > 0, minus 1), p --------------------
lr_case <- function(set, group) {
  f <- as.formula(sprintf("Surv(time, status) ~ %s", group))
  sd <- survdiff(f, data = sets[[set]])
  df <- sum(sd$exp > 0) - 1
  obj(id = str(paste0(set, "_", group)), r_call = str(sprintf("survdiff(%s, data = %s)", deparse(f), set)),
      data = str(paste0(set, ".csv")), time = str("time"), event = str("status"), group = str(group),
      groups = paste0("[", paste(str(sub("^[^=]*=", "", names(sd$n))), collapse = ", "), "]"),
      observed = arr(sd$obs), expected = arr(sd$exp),
      chisq = num(sd$chisq), df = num(df), p = num(pchisq(sd$chisq, df, lower.tail = FALSE)))
}
writeLines(jlist(c(lr_case("lung", "sex"), lr_case("aml", "x"), lr_case("veteran", "trt"),
                   lr_case("veteran", "celltype"), lr_case("flat", "arm"))), "logrank.json")

# --- Cox: coefficients, se, HR and 95 % limits, LR / Wald / score tests; Efron ties --------
cox_case <- function(set, covs) {
  f <- as.formula(sprintf("Surv(time, status) ~ %s", paste(covs, collapse = " + ")))
  fit <- coxph(f, data = sets[[set]], ties = "efron")
  s <- summary(fit)
  lr <- 2 * diff(fit$loglik)
  df <- length(coef(fit))
  obj(id = str(paste0(set, "_", paste(covs, collapse = "_"))),
      r_call = str(sprintf("coxph(%s, data = %s, ties = \"efron\")", deparse(f), set)),
      data = str(paste0(set, ".csv")), time = str("time"), event = str("status"),
      covariates = paste0("[", paste(str(covs), collapse = ", "), "]"),
      n = num(fit$n), events = num(fit$nevent), n_omitted = num(length(fit$na.action)),
      coef = arr(coef(fit)), se = arr(sqrt(diag(vcov(fit)))), hr = arr(exp(coef(fit))),
      hr_lower = arr(s$conf.int[, "lower .95"]), hr_upper = arr(s$conf.int[, "upper .95"]),
      z = arr(s$coefficients[, "z"]), p = arr(s$coefficients[, "Pr(>|z|)"]),
      loglik_null = num(fit$loglik[1]), loglik = num(fit$loglik[2]),
      lr_chisq = num(lr), lr_p = num(pchisq(lr, df, lower.tail = FALSE)),
      wald_chisq = num(fit$wald.test), wald_p = num(pchisq(fit$wald.test, df, lower.tail = FALSE)),
      score_chisq = num(fit$score), score_p = num(pchisq(fit$score, df, lower.tail = FALSE)),
      df = num(df), concordant = num(fit$concordance[["concordant"]]),
      discordant = num(fit$concordance[["discordant"]]), tied_x = num(fit$concordance[["tied.x"]]),
      tied_y = num(fit$concordance[["tied.y"]]), tied_xy = num(fit$concordance[["tied.xy"]]),
      concordance = num(fit$concordance[["concordance"]]))
}
writeLines(jlist(c(cox_case("lung", c("sex")), cox_case("lung", c("age", "sex")),
                   cox_case("lung", c("age", "sex", "ph.ecog")),
                   cox_case("aml", c("nonmaintained")),
                   cox_case("veteran", c("trt", "karno", "diagtime", "age", "prior")))),
           "cox.json")

# --- Cox with Breslow ties, strata and factor covariates; stratified log-rank ------------------
# (cox_strata.json; same fields as cox.json plus ties and strata). A character column in the
# formula is a factor with treatment contrasts (first level the reference).
cox_case2 <- function(set, covs, ties, strata = NULL, factors = character(0)) {
  terms <- c(covs, factors, if (!is.null(strata)) sprintf("strata(%s)", strata))
  f <- as.formula(sprintf("Surv(time, status) ~ %s", paste(terms, collapse = " + ")))
  fit <- coxph(f, data = sets[[set]], ties = ties)
  s <- summary(fit)
  lr <- 2 * diff(fit$loglik)
  df <- length(coef(fit))
  obj(id = str(paste0(set, "_", paste(terms, collapse = "_"), "_", ties)),
      r_call = str(sprintf("coxph(%s, data = %s, ties = \"%s\")", deparse(f), set, ties)),
      data = str(paste0(set, ".csv")), time = str("time"), event = str("status"),
      covariates = paste0("[", paste(str(covs), collapse = ", "), "]"),
      factors = if (length(factors) == 0) "[]" else paste0("[", paste(str(factors), collapse = ", "), "]"),
      strata = if (is.null(strata)) "null" else str(strata), ties = str(ties),
      names = paste0("[", paste(str(names(coef(fit))), collapse = ", "), "]"),
      n = num(fit$n), events = num(fit$nevent),
      coef = arr(coef(fit)), se = arr(sqrt(diag(vcov(fit)))), hr = arr(exp(coef(fit))),
      hr_lower = arr(s$conf.int[, "lower .95"]), hr_upper = arr(s$conf.int[, "upper .95"]),
      z = arr(s$coefficients[, "z"]), p = arr(s$coefficients[, "Pr(>|z|)"]),
      loglik_null = num(fit$loglik[1]), loglik = num(fit$loglik[2]),
      lr_chisq = num(lr), wald_chisq = num(fit$wald.test), score_chisq = num(fit$score),
      df = num(df), concordance = num(fit$concordance[["concordance"]]))
}
writeLines(jlist(c(cox_case2("lung", c("age", "sex"), "breslow"),
                   cox_case2("lung", c("age"), "efron", strata = "sex"),
                   cox_case2("veteran", c("trt"), "efron", factors = "celltype"),
                   cox_case2("veteran", c("karno"), "breslow", strata = "celltype"),
                   cox_case2("veteran", c("trt", "age"), "efron", strata = "prior",
                             factors = "celltype"))),
           "cox_strata.json")
slr_case <- function(set, group, strata) {
  f <- as.formula(sprintf("Surv(time, status) ~ %s + strata(%s)", group, strata))
  sd <- survdiff(f, data = sets[[set]])
  obs <- if (is.matrix(sd$obs)) rowSums(sd$obs) else sd$obs
  ex <- if (is.matrix(sd$exp)) rowSums(sd$exp) else sd$exp
  df <- sum(ex > 0) - 1
  obj(id = str(paste0(set, "_", group, "_strata_", strata)),
      r_call = str(sprintf("survdiff(%s, data = %s)", deparse(f), set)),
      data = str(paste0(set, ".csv")), time = str("time"), event = str("status"),
      group = str(group), strata = str(strata),
      observed = arr(obs), expected = arr(ex),
      chisq = num(sd$chisq), df = num(df), p = num(pchisq(sd$chisq, df, lower.tail = FALSE)))
}
writeLines(jlist(c(slr_case("veteran", "trt", "celltype"), slr_case("veteran", "celltype", "prior"))),
           "logrank_strata.json")

# --- Restricted mean survival: print(survfit, rmean = "common"), i.e. summary(fit, rmean =
# --- "common")$table's rmean and se(rmean), upper limit the largest time of all curves ----------
rmean_case <- function(set, time, event, group) {
  d <- sets[[set]]
  f <- if (is.null(group)) as.formula(sprintf("Surv(%s, %s) ~ 1", time, event))
       else as.formula(sprintf("Surv(%s, %s) ~ %s", time, event, group))
  fit <- survfit(f, data = d)
  s <- summary(fit, rmean = "common")
  tab <- s$table
  if (is.null(dim(tab))) tab <- matrix(tab, nrow = 1, dimnames = list(NULL, names(tab)))
  gnames <- if (is.null(fit$strata)) "all" else sub("^[^=]*=", "", names(fit$strata))
  obj(id = str(paste0(set, "_", if (is.null(group)) "all" else group)),
      r_call = str(sprintf("print(survfit(%s, data = %s), rmean = \"common\")", deparse(f), set)),
      data = str(paste0(set, ".csv")), time = str(time), event = str(event),
      group = if (is.null(group)) "null" else str(group),
      groups = paste0("[", paste(str(gnames), collapse = ", "), "]"),
      tau = num(s$rmean.endtime[1]), rmean = arr(tab[, "rmean"]), se = arr(tab[, "se(rmean)"]))
}
writeLines(jlist(c(rmean_case("lung", "time", "status", NULL),
                   rmean_case("lung", "time", "status", "sex"),
                   rmean_case("aml", "time", "status", "x"),
                   rmean_case("veteran", "time", "status", "trt"),
                   rmean_case("flat", "time", "status", "arm"))), "rmean.json")

writeLines(obj(r_version = str(R.version.string),
               survival_version = str(as.character(packageVersion("survival")))), "meta.json")
